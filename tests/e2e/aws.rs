//! The AWS adapter and the emulator against a real moto server: inventory, AssumeRole with the
//! ExternalId check, live reads, apply primitives, SCPs, and the fault proxy (latency,
//! throttling, dropped connections, call counts).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use warden_aws::fixture::{self, AccessSeed, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{
    AccessRole, AccountResult, Aws, AwsError, AwsOptions, ExternalId, NewManagedPolicy, NewRole,
    OutcomeStatus, ProgressEvent, ReadRequest, SessionDuration, SessionName,
};
use warden_e2e::moto;
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_spec::org::AccountStatus;

const ACCESS_ROLE: &str = "WardenAccess";

fn external_id() -> ExternalId {
    ExternalId::new("warden-e2e-7f3a9c").unwrap()
}

fn session() -> SessionName {
    SessionName::for_commit(Some("0123456789abcdef")).unwrap()
}

fn access() -> AccessRole {
    AccessRole {
        role_name: ACCESS_ROLE.to_owned(),
        external_id: external_id(),
        session_name: session(),
        duration: SessionDuration::default(),
        trusted_principals: vec!["123456789012".into()],
    }
}

async fn connect(endpoint: &str) -> Aws {
    let mut options = AwsOptions::emulator(endpoint);
    // Keep retries fast in tests; production uses the SDK's 1 s initial backoff.
    options.initial_backoff = Some(Duration::from_millis(10));
    Aws::connect(options).await.unwrap()
}

fn spec(ous: &[&str], accounts: Vec<SeedAccount>) -> SeedSpec {
    SeedSpec {
        ous: ous.iter().map(|ou| (*ou).to_owned()).collect(),
        accounts,
        access_role_name: ACCESS_ROLE.to_owned(),
        external_id: external_id(),
    }
}

async fn seeded(server: &MotoServer, accounts: Vec<SeedAccount>) -> (Aws, SeededOrg) {
    let aws = connect(&server.endpoint_url()).await;
    let org = fixture::seed_organization(&aws, &spec(&["Workloads/Prod"], accounts))
        .await
        .unwrap();
    (aws, org)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_lists_ous_and_accounts_with_paths_status_and_tags() {
    let server = moto();
    let aws = connect(&server.endpoint_url()).await;
    let mut prod = SeedAccount::new("prod-payments", "Workloads/Prod");
    prod.tags = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
    let seeded = fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads/Prod", "Workloads/Dev", "Security"],
            vec![
                prod,
                SeedAccount::new("dev-sandbox", "Root/Workloads/Dev"),
                SeedAccount::new("audit", "Security"),
                SeedAccount::new("shared", "Root"),
            ],
        ),
    )
    .await
    .unwrap();
    fixture::close_account(&aws, seeded.account_id("shared").unwrap())
        .await
        .unwrap();

    let org = aws.inventory().await.unwrap();

    assert_eq!(org.id, seeded.organization_id);
    assert_eq!(org.root_id, seeded.root_id);
    let paths: Vec<&str> = org
        .organizational_units
        .iter()
        .map(|ou| ou.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "Root/Security",
            "Root/Workloads",
            "Root/Workloads/Dev",
            "Root/Workloads/Prod"
        ]
    );
    let prod_ou = &seeded.ous["Root/Workloads/Prod"];
    let prod = org
        .account(seeded.account_id("prod-payments").unwrap())
        .unwrap();
    assert_eq!(prod.ou_path, "Root/Workloads/Prod");
    assert_eq!(&prod.parent_id, prod_ou);
    assert_eq!(prod.tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(prod.status, AccountStatus::Active);
    assert_eq!(prod.email.as_deref(), Some("prod-payments@example.com"));
    let audit = org.account(seeded.account_id("audit").unwrap()).unwrap();
    assert_eq!(audit.ou_path, "Root/Security");
    let shared = org.account(seeded.account_id("shared").unwrap()).unwrap();
    assert_eq!(shared.ou_path, "Root");
    assert_eq!(shared.parent_id, org.root_id);
    assert_eq!(shared.status, AccountStatus::Suspended);
    // The management account is listed too, at the root.
    let management = org.account(&org.management_account_id).unwrap();
    assert_eq!(management.ou_path, "Root");
    assert_eq!(org.accounts.len(), 5);
    // SCP levels for the prod account: root, Workloads, Prod.
    assert_eq!(
        org.ancestry(&prod.id),
        [
            org.root_id.clone(),
            seeded.ous["Root/Workloads"].clone(),
            prod_ou.clone()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_and_read_return_roles_and_policies_with_decoded_documents() {
    let server = moto();
    let (aws, org) = seeded(&server, vec![SeedAccount::new("app", "Workloads/Prod")]).await;
    let account_id = org.account_id("app").unwrap().to_owned();

    // Out-of-band changes made through the organization access role.
    let admin = fixture::admin_client(&aws, &account_id).await.unwrap();
    let boundary_doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let boundary_arn = admin
        .create_policy(&NewManagedPolicy {
            name: "workload-boundary".to_owned(),
            path: "/boundaries/".to_owned(),
            document: boundary_doc.to_owned(),
            description: Some("caps workload roles".to_owned()),
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    let second_version = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/100% done/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
    let version = admin
        .create_policy_version(&boundary_arn, second_version)
        .await
        .unwrap();
    assert_eq!(version, "v2");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
    let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/orders"}]}"#;
    fixture::create_role_with_policies(
        &admin,
        &NewRole {
            name: "orders-api".to_owned(),
            path: "/app/".to_owned(),
            trust_policy: trust.to_owned(),
            description: Some("orders service".to_owned()),
            max_session_duration: Some(7200),
            permissions_boundary_arn: Some(boundary_arn.clone()),
            tags: BTreeMap::from([("team".to_owned(), "orders".to_owned())]),
        },
        &[("orders-table", inline)],
        &[&boundary_arn],
    )
    .await
    .unwrap();

    let client = aws
        .assume_access_role(
            &account_id,
            ACCESS_ROLE,
            &external_id(),
            &session(),
            SessionDuration::default(),
        )
        .await
        .unwrap();
    assert_eq!(client.account_id(), account_id);
    assert!(
        client
            .session_arn()
            .unwrap()
            .ends_with("/WardenAccess/warden-0123456789ab"),
        "{:?}",
        client.session_arn()
    );
    let live = client.read_account().await.unwrap();

    assert_eq!(live.account_id, account_id);
    let role = live.role("ORDERS-API").unwrap();
    assert_eq!(role.name, "orders-api");
    assert_eq!(role.path, "/app/");
    assert_eq!(
        role.arn,
        format!("arn:aws:iam::{account_id}:role/app/orders-api")
    );
    assert!(!role.role_id.is_empty());
    assert_eq!(parse(&role.trust_policy), parse(trust));
    assert_eq!(role.description.as_deref(), Some("orders service"));
    assert_eq!(role.max_session_duration, Some(7200));
    assert_eq!(
        role.permissions_boundary_arn.as_deref(),
        Some(boundary_arn.as_str())
    );
    assert_eq!(role.tags.get("team").map(String::as_str), Some("orders"));
    assert_eq!(parse(&role.inline_policies["orders-table"]), parse(inline));
    assert_eq!(
        role.attached_policy_arns,
        std::slice::from_ref(&boundary_arn)
    );

    // The access role is read too, with its ExternalId condition intact.
    let access_role = live.role(ACCESS_ROLE).unwrap();
    assert_eq!(
        parse(&access_role.trust_policy)["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        json!("warden-e2e-7f3a9c")
    );
    assert!(live.role("OrganizationAccountAccessRole").is_some());

    let policy = live.policy("workload-boundary").unwrap();
    assert_eq!(policy.arn, boundary_arn);
    assert_eq!(policy.path, "/boundaries/");
    assert_eq!(policy.default_version_id, "v2");
    assert_eq!(parse(&policy.document), parse(second_version));
    let versions: Vec<(&str, bool)> = policy
        .versions
        .iter()
        .map(|v| (v.version_id.as_str(), v.is_default))
        .collect();
    assert_eq!(versions, [("v1", false), ("v2", true)]);
    assert_eq!(policy.attachment_count, 1);
    assert_eq!(policy.description.as_deref(), Some("caps workload roles"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_role_without_the_external_id_condition_is_refused() {
    let server = moto();
    let mut open = SeedAccount::new("open", "Workloads/Prod");
    open.access = AccessSeed::WithoutExternalId;
    let (aws, org) = seeded(
        &server,
        vec![open, SeedAccount::new("good", "Workloads/Prod")],
    )
    .await;

    let err = aws
        .assume_access_role(
            org.account_id("open").unwrap(),
            ACCESS_ROLE,
            &external_id(),
            &session(),
            SessionDuration::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AwsError::TrustWithoutExternalId { ref account_id, .. } if account_id == org.account_id("open").unwrap()),
        "{err}"
    );
    assert!(err.is_finding());

    // moto would accept any ExternalId; Warden compares it with the trust policy itself.
    let other = ExternalId::new("not-the-configured-one").unwrap();
    let err = aws
        .assume_access_role(
            org.account_id("good").unwrap(),
            ACCESS_ROLE,
            &other,
            &session(),
            SessionDuration::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::ExternalIdMismatch { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-configured-one"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_primitives_change_iam_and_never_touch_the_access_role() {
    let server = moto();
    let (aws, org) = seeded(&server, vec![SeedAccount::new("app", "Workloads/Prod")]).await;
    let account_id = org.account_id("app").unwrap();
    let client = aws.assume_with(account_id, &access()).await.unwrap();

    // The guard refuses every change to the role Warden came through.
    let err = client
        .put_role_policy(
            ACCESS_ROLE,
            "x",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::ProtectedRole { .. }), "{err}");
    assert!(matches!(
        client.delete_role("wardenaccess").await,
        Err(AwsError::ProtectedRole { .. })
    ));

    let trust = fixture::access_trust_policy(aws.partition(), &org.management_account_id, None);
    client
        .create_role(&NewRole {
            name: "ci-deployer".to_owned(),
            path: "/".to_owned(),
            trust_policy: trust.clone(),
            description: Some("first".to_owned()),
            ..NewRole::default()
        })
        .await
        .unwrap();
    client
        .update_role("ci-deployer", Some("second"), Some(3600 * 4))
        .await
        .unwrap();
    client
        .tag_role(
            "ci-deployer",
            &BTreeMap::from([
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "2".to_owned()),
            ]),
        )
        .await
        .unwrap();
    client
        .untag_role("ci-deployer", &["a".to_owned()])
        .await
        .unwrap();
    let policy_arn = client
        .create_policy(&NewManagedPolicy {
            name: "deploy".to_owned(),
            path: "/".to_owned(),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#.to_owned(),
            ..NewManagedPolicy::default()
        })
        .await
        .unwrap();
    // Six new versions: the oldest non-default ones are deleted to stay within five.
    for n in 2..=7 {
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b{n}"}}]}}"#
        );
        assert_eq!(
            client
                .create_policy_version(&policy_arn, &document)
                .await
                .unwrap(),
            format!("v{n}")
        );
    }
    client
        .attach_role_policy("ci-deployer", &policy_arn)
        .await
        .unwrap();
    client
        .put_role_permissions_boundary("ci-deployer", &policy_arn)
        .await
        .unwrap();
    client
        .put_role_policy("ci-deployer", "inline", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#)
        .await
        .unwrap();

    let live = client.read_account().await.unwrap();
    let role = live.role("ci-deployer").unwrap();
    assert_eq!(role.description.as_deref(), Some("second"));
    assert_eq!(role.max_session_duration, Some(14400));
    assert_eq!(
        role.tags,
        BTreeMap::from([("b".to_owned(), "2".to_owned())])
    );
    assert_eq!(role.attached_policy_arns, std::slice::from_ref(&policy_arn));
    assert_eq!(
        role.permissions_boundary_arn.as_deref(),
        Some(policy_arn.as_str())
    );
    let policy = live.policy("deploy").unwrap();
    let versions: Vec<&str> = policy
        .versions
        .iter()
        .map(|v| v.version_id.as_str())
        .collect();
    assert_eq!(versions, ["v3", "v4", "v5", "v6", "v7"]);
    assert!(policy.document.contains("arn:aws:s3:::b7"));

    // Deleting an attached policy is refused by Warden (moto would leave a dangling attachment).
    let err = client.delete_policy(&policy_arn).await.unwrap_err();
    assert!(
        matches!(err, AwsError::PolicyAttached { attachments: 1, .. }),
        "{err}"
    );

    client
        .update_assume_role_policy(
            "ci-deployer",
            &fixture::access_trust_policy(
                aws.partition(),
                &org.management_account_id,
                Some(&external_id()),
            ),
        )
        .await
        .unwrap();
    client
        .delete_role_permissions_boundary("ci-deployer")
        .await
        .unwrap();
    client
        .delete_role_policy("ci-deployer", "inline")
        .await
        .unwrap();
    client
        .detach_role_policy("ci-deployer", &policy_arn)
        .await
        .unwrap();
    let live = client.read_account().await.unwrap();
    let role = live.role("ci-deployer").unwrap();
    assert!(role.inline_policies.is_empty());
    assert!(role.attached_policy_arns.is_empty());
    assert_eq!(role.permissions_boundary_arn, None);
    assert!(role.trust_policy.contains("sts:ExternalId"));

    // delete_role removes what IAM requires gone first.
    client
        .put_role_policy("ci-deployer", "again", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#)
        .await
        .unwrap();
    client
        .attach_role_policy("ci-deployer", &policy_arn)
        .await
        .unwrap();
    client.delete_role("ci-deployer").await.unwrap();
    client.delete_policy(&policy_arn).await.unwrap();
    let live = client.read_account().await.unwrap();
    assert!(live.role("ci-deployer").is_none());
    assert!(live.policy("deploy").is_none());
    assert!(live.role(ACCESS_ROLE).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scps_are_read_with_content_and_targets_and_can_be_managed() {
    let server = moto();
    let (aws, org) = seeded(&server, vec![SeedAccount::new("app", "Workloads/Prod")]).await;
    let prod_ou = org.ous["Root/Workloads/Prod"].clone();

    let before = aws.read_scps().await.unwrap();
    let full = before
        .iter()
        .find(|scp| scp.name == "FullAWSAccess")
        .unwrap();
    assert!(full.aws_managed);
    assert!(full.targets.contains(&org.root_id), "{:?}", full.targets);
    assert_eq!(
        parse(&full.content)["Statement"][0]["Effect"],
        json!("Allow")
    );

    let content = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeaveOrg","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
    let id = aws
        .create_scp("deny-leave", "no leaving", content)
        .await
        .unwrap();
    aws.attach_scp(&id, &prod_ou).await.unwrap();
    let updated = content.replace("DenyLeaveOrg", "DenyLeave");
    aws.update_scp(&id, None, Some("still no leaving"), Some(&updated))
        .await
        .unwrap();
    let scps = aws.read_scps().await.unwrap();
    let ours = scps.iter().find(|scp| scp.id == id).unwrap();
    assert_eq!(ours.name, "deny-leave");
    assert_eq!(ours.description, "still no leaving");
    assert!(!ours.aws_managed);
    assert_eq!(ours.targets, std::slice::from_ref(&prod_ou));
    assert_eq!(parse(&ours.content), parse(&updated));

    aws.detach_scp(&id, &prod_ou).await.unwrap();
    aws.delete_scp(&id).await.unwrap();
    assert!(
        aws.read_scps()
            .await
            .unwrap()
            .iter()
            .all(|scp| scp.id != id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_accounts_isolates_failures_and_skips_suspended_accounts() {
    let server = moto();
    let mut missing = SeedAccount::new("no-access-role", "Workloads/Prod");
    missing.access = AccessSeed::Missing;
    let mut open = SeedAccount::new("open-trust", "Workloads/Prod");
    open.access = AccessSeed::WithoutExternalId;
    let (aws, org) = seeded(
        &server,
        vec![
            SeedAccount::new("a", "Workloads/Prod"),
            missing,
            open,
            SeedAccount::new("b", "Root"),
            SeedAccount::new("closed", "Root"),
        ],
    )
    .await;
    fixture::close_account(&aws, org.account_id("closed").unwrap())
        .await
        .unwrap();
    let inventory = aws.inventory().await.unwrap();

    let events = Mutex::new(Vec::new());
    let outcomes = aws
        .read_accounts(&inventory, &ReadRequest::new(access(), 3), &|event| {
            events.lock().unwrap().push(event)
        })
        .await;

    let by_name: BTreeMap<&str, &AccountResult> = outcomes
        .iter()
        .map(|outcome| (outcome.account_name.as_str(), &outcome.result))
        .collect();
    for name in ["a", "b"] {
        let AccountResult::Read(live) = by_name[name] else {
            panic!("{name}: {:?}", by_name[name]);
        };
        assert!(live.role(ACCESS_ROLE).is_some());
    }
    let AccountResult::Failed(err) = by_name["no-access-role"] else {
        panic!("{:?}", by_name["no-access-role"]);
    };
    assert_eq!(err.code(), Some("NoSuchEntity"), "{err}");
    assert_eq!(err.account_id(), org.account_id("no-access-role"));
    let AccountResult::Failed(err) = by_name["open-trust"] else {
        panic!("{:?}", by_name["open-trust"]);
    };
    assert!(err.is_finding(), "{err}");
    assert!(
        matches!(by_name["closed"], AccountResult::Skipped { reason } if reason.contains("suspended"))
    );
    // The management account is skipped: Warden reads members through the access role.
    assert!(matches!(
        outcomes
            .iter()
            .find(|o| o.account_id == inventory.management_account_id)
            .unwrap()
            .result,
        AccountResult::Skipped { .. }
    ));
    assert_eq!(outcomes.len(), 6);

    let events = events.into_inner().unwrap();
    let finished: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::Finished {
                status,
                done,
                total,
                ..
            } => Some((*status, *done, *total)),
            ProgressEvent::Started { .. } => None,
        })
        .collect();
    assert_eq!(finished.len(), 6);
    assert_eq!(
        finished.last().map(|(_, done, total)| (*done, *total)),
        Some((6, 6))
    );
    assert_eq!(
        finished
            .iter()
            .filter(|(status, ..)| *status == OutcomeStatus::Read)
            .count(),
        2
    );
    let started = events
        .iter()
        .filter(|event| matches!(event, ProgressEvent::Started { .. }))
        .count();
    assert_eq!(started, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_counts_calls_per_account_and_injects_latency() {
    let server = moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let aws = connect(&proxy.endpoint_url()).await;
    let org = fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads"],
            (0..4)
                .map(|n| SeedAccount::new(format!("member-{n}"), "Workloads"))
                .collect(),
        ),
    )
    .await
    .unwrap();
    let inventory = aws.inventory().await.unwrap();

    proxy.reset_stats();
    let outcomes = aws
        .read_accounts(&inventory, &ReadRequest::new(access(), 4), &|_| {})
        .await;
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o.result, AccountResult::Read(_)))
            .count(),
        4
    );
    let stats = proxy.stats();
    for account in &org.accounts {
        let calls = &stats.by_account_action[&account.id];
        assert_eq!(
            calls,
            &BTreeMap::from([
                ("iam:GetAccountAuthorizationDetails".to_owned(), 1),
                ("iam:ListRoles".to_owned(), 1),
                ("sts:AssumeRole".to_owned(), 1),
            ]),
            "calls for {}",
            account.id
        );
    }
    assert_eq!(stats.requests, 12);

    // A selection reads only the named accounts.
    proxy.reset_stats();
    let mut only = ReadRequest::new(access(), 4);
    only.only_accounts = vec![org.accounts[2].id.clone()];
    let outcomes = aws.read_accounts(&inventory, &only, &|_| {}).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].account_id, org.accounts[2].id);
    assert_eq!(proxy.stats().requests, 3);
    eprintln!(
        "read calls per member account: 3; proxy overhead per request: {:?}",
        stats.mean_overhead()
    );

    // Latency: the same call, measured without and with 150 ms injected.
    let direct = connect(&server.endpoint_url()).await;
    let started = Instant::now();
    direct.caller_identity().await.unwrap();
    let baseline = started.elapsed();
    proxy.set_faults(FaultConfig {
        latency: Duration::from_millis(150),
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let identity = aws.caller_identity().await.unwrap();
    let proxied = started.elapsed();
    assert_eq!(identity.account_id, org.management_account_id);
    assert!(proxied >= Duration::from_millis(150), "{proxied:?}");
    assert!(
        proxied >= baseline + Duration::from_millis(100),
        "{proxied:?} vs {baseline:?}"
    );
    eprintln!(
        "GetCallerIdentity direct {baseline:?}, through proxy with 150 ms latency {proxied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_by_the_sdk_for_query_and_json_protocols() {
    let server = moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let aws = connect(&proxy.endpoint_url()).await;
    let org = fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads"],
            (0..3)
                .map(|n| SeedAccount::new(format!("member-{n}"), "Workloads"))
                .collect(),
        ),
    )
    .await
    .unwrap();
    proxy.reset_stats();
    // AWS throttles by rate per account; the adaptive retry mode slows down to match.
    proxy.set_faults(FaultConfig {
        rate_limit_per_account: Some(2),
        server_error_every: 7,
        ..FaultConfig::default()
    });

    // Organizations speaks JSON (ThrottlingException), IAM and STS the query protocol (Throttling).
    let inventory = aws.inventory().await.unwrap();
    assert_eq!(inventory.accounts.len(), 4);
    let outcomes = aws
        .read_accounts(&inventory, &ReadRequest::new(access(), 3), &|_| {})
        .await;
    for outcome in &outcomes {
        if outcome.account_id == org.management_account_id {
            continue;
        }
        let AccountResult::Read(live) = &outcome.result else {
            panic!("{}: {:?}", outcome.account_id, outcome.result);
        };
        assert!(live.role(ACCESS_ROLE).is_some());
    }
    let stats = proxy.stats();
    assert!(stats.throttled >= 3, "{stats:?}");
    assert!(stats.server_errors >= 1, "{stats:?}");
    let throttled_orgs = stats
        .by_action
        .keys()
        .any(|action| action.starts_with("organizations:"));
    assert!(throttled_orgs);
    eprintln!(
        "with 2 requests/s per account and every 7th request a 500: {} requests, {} throttled, {} server errors, all reads succeeded",
        stats.requests, stats.throttled, stats.server_errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_fail_one_account_and_not_the_others() {
    let server = moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let mut options = AwsOptions::emulator(proxy.endpoint_url());
    options.initial_backoff = Some(Duration::from_millis(10));
    options.max_attempts = 4;
    let aws = Aws::connect(options).await.unwrap();
    let org = fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads"],
            (0..3)
                .map(|n| SeedAccount::new(format!("member-{n}"), "Workloads"))
                .collect(),
        ),
    )
    .await
    .unwrap();
    let inventory = aws.inventory().await.unwrap();
    let broken = org.account_id("member-1").unwrap().to_owned();
    proxy.reset_stats();
    proxy.set_faults(FaultConfig {
        broken_accounts: [broken.clone()].into(),
        drop_every: 11,
        ..FaultConfig::default()
    });

    let outcomes = aws
        .read_accounts(&inventory, &ReadRequest::new(access(), 3), &|_| {})
        .await;
    for outcome in outcomes
        .iter()
        .filter(|o| o.account_id != org.management_account_id)
    {
        match &outcome.result {
            AccountResult::Failed(err) if outcome.account_id == broken => {
                assert_eq!(err.account_id(), Some(broken.as_str()));
                assert!(err.to_string().contains(&broken), "{err}");
            }
            AccountResult::Read(live) => {
                assert_ne!(outcome.account_id, broken);
                assert!(live.role(ACCESS_ROLE).is_some());
            }
            other => panic!("{}: {other:?}", outcome.account_id),
        }
    }
    let stats = proxy.stats();
    // Four attempts at AssumeRole for the broken account, each connection dropped; other
    // accounts had every 11th request dropped too and succeeded on retry.
    assert_eq!(stats.calls_for_account(&broken), 4, "{stats:?}");
    assert!(stats.dropped >= 4);
}

#[test]
fn moto_server_stops_and_detached_servers_are_stopped_by_pid_file() {
    let server = moto();
    let pid = server.pid();
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists());
    server.reset().unwrap();
    server.stop();
    assert!(!proc_dir.exists(), "moto {pid} still running after stop");

    let project = tempfile::tempdir().unwrap();
    let server = moto();
    let pid = server.pid();
    let endpoint = server.endpoint_url();
    let pid_file = server.detach(project.path()).unwrap();
    let recorded = warden_emulator::detached_server(project.path())
        .unwrap()
        .unwrap();
    assert_eq!(recorded.pid, pid);
    assert_eq!(recorded.endpoint_url, endpoint);
    assert!(std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists());
    assert!(warden_emulator::stop_detached(project.path()).unwrap());
    assert!(!pid_file.exists());
    // Reap: the detached child is still ours in this test process.
    let deadline = Instant::now() + Duration::from_secs(5);
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z "))
    };
    while running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!running(), "detached moto {pid} still running");
    assert!(!warden_emulator::stop_detached(project.path()).unwrap());
}

/// A canned IAM/STS endpoint: moto never paginates GetAccountAuthorizationDetails, real AWS
/// does, so this serves it in two pages. It also records every request body.
mod fake_iam {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    pub const ACCOUNT: &str = "111122223333";

    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn role_xml(name: &str, trust: &str, extra: &str) -> String {
        format!(
            "<member><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROA{name}</RoleId><Arn>arn:aws:iam::{ACCOUNT}:role/{name}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>{extra}</member>",
            encode(trust)
        )
    }

    pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"warden-e2e-7f3a9c"}}}]}"#;
    pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;

    fn answer(body: &str) -> String {
        let action = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .unwrap_or_default();
        let iam = "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"";
        match action {
            "AssumeRole" => format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:warden</AssumedRoleId><Arn>arn:aws:sts::{ACCOUNT}:assumed-role/WardenAccess/warden</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>"
            ),
            "GetRole" => {
                let role = role_xml("WardenAccess", TRUST, "").replace("member>", "Role>");
                format!(
                    "<GetRoleResponse {iam}><GetRoleResult>{role}</GetRoleResult></GetRoleResponse>"
                )
            }
            "ListRoles" => format!(
                "<ListRolesResponse {iam}><ListRolesResult><IsTruncated>false</IsTruncated><Roles>{}{}</Roles></ListRolesResult></ListRolesResponse>",
                role_xml(
                    "first",
                    TRUST,
                    "<Description>page one</Description><MaxSessionDuration>3600</MaxSessionDuration>"
                ),
                role_xml(
                    "second",
                    TRUST,
                    "<Description>page two</Description><MaxSessionDuration>7200</MaxSessionDuration>"
                ),
            ),
            "GetAccountAuthorizationDetails" if body.contains("Marker=page-2") => format!(
                "<GetAccountAuthorizationDetailsResponse {iam}><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><RoleDetailList>{}</RoleDetailList><Policies><member><PolicyName>p</PolicyName><PolicyId>ANPA1</PolicyId><Arn>arn:aws:iam::{ACCOUNT}:policy/p</Arn><Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount><PolicyVersionList><member><Document>{}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion></member></PolicyVersionList></member></Policies></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>",
                role_xml(
                    "second",
                    TRUST,
                    &format!(
                        "<AttachedManagedPolicies><member><PolicyName>p</PolicyName><PolicyArn>arn:aws:iam::{ACCOUNT}:policy/p</PolicyArn></member></AttachedManagedPolicies>"
                    )
                ),
                encode(POLICY),
            ),
            "GetAccountAuthorizationDetails" => format!(
                "<GetAccountAuthorizationDetailsResponse {iam}><GetAccountAuthorizationDetailsResult><IsTruncated>true</IsTruncated><Marker>page-2</Marker><RoleDetailList>{}</RoleDetailList><Policies></Policies></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>",
                role_xml(
                    "first",
                    TRUST,
                    &format!(
                        "<RolePolicyList><member><PolicyName>inline</PolicyName><PolicyDocument>{}</PolicyDocument></member></RolePolicyList><Tags><member><Key>k</Key><Value>v</Value></member></Tags>",
                        encode(POLICY)
                    )
                ),
            ),
            // The policy has no description mark: the reader asks for its tags.
            "ListPolicyTags" => format!(
                "<ListPolicyTagsResponse {iam}><ListPolicyTagsResult><IsTruncated>false</IsTruncated><Tags></Tags></ListPolicyTagsResult></ListPolicyTagsResponse>"
            ),
            other => format!(
                "<ErrorResponse><Error><Code>InvalidAction</Code><Message>{other}</Message></Error></ErrorResponse>"
            ),
        }
    }

    /// Serves until the test ends; returns the endpoint and the recorded request bodies.
    pub async fn start() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&bodies);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line.trim().is_empty() {
                                break;
                            }
                            if let Some((key, value)) = line.split_once(':')
                                && key.eq_ignore_ascii_case("content-length")
                            {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                        let mut body = vec![0; length];
                        if stream.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        let body = String::from_utf8_lossy(&body).into_owned();
                        let xml = answer(&body);
                        recorded.lock().unwrap().push(body);
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                            xml.len()
                        );
                        if stream
                            .get_mut()
                            .write_all(response.as_bytes())
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        (endpoint, bodies)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginated_authorization_details_are_read_in_full_and_external_id_is_always_sent() {
    let (endpoint, bodies) = fake_iam::start().await;
    let aws = connect(&endpoint).await;

    let client = aws.assume_with(fake_iam::ACCOUNT, &access()).await.unwrap();
    let live = client.read_account().await.unwrap();

    let names: Vec<&str> = live.roles.iter().map(|role| role.name.as_str()).collect();
    assert_eq!(names, ["first", "second"]);
    let first = live.role("first").unwrap();
    assert_eq!(first.description.as_deref(), Some("page one"));
    assert_eq!(
        parse(&first.inline_policies["inline"]),
        parse(fake_iam::POLICY)
    );
    assert_eq!(parse(&first.trust_policy), parse(fake_iam::TRUST));
    assert_eq!(first.tags.get("k").map(String::as_str), Some("v"));
    let second = live.role("second").unwrap();
    assert_eq!(second.max_session_duration, Some(7200));
    assert_eq!(
        second.attached_policy_arns,
        [format!("arn:aws:iam::{}:policy/p", fake_iam::ACCOUNT)]
    );
    let policy = live.policy("p").unwrap();
    assert_eq!(parse(&policy.document), parse(fake_iam::POLICY));
    assert_eq!(policy.attachment_count, 1);

    let bodies = bodies.lock().unwrap().clone();
    let assume = bodies
        .iter()
        .find(|body| body.contains("Action=AssumeRole"))
        .unwrap();
    assert!(assume.contains("ExternalId=warden-e2e-7f3a9c"), "{assume}");
    assert!(
        assume.contains("RoleSessionName=warden-0123456789ab"),
        "{assume}"
    );
    assert!(assume.contains("DurationSeconds=900"), "{assume}");
    let gaad: Vec<&String> = bodies
        .iter()
        .filter(|body| body.contains("Action=GetAccountAuthorizationDetails"))
        .collect();
    assert_eq!(gaad.len(), 2);
    assert!(gaad[1].contains("Marker=page-2"));
    assert!(
        gaad[0].contains("Filter.member.1=Role")
            && gaad[0].contains("Filter.member.2=LocalManagedPolicy"),
        "{}",
        gaad[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_reads_overlap_latency_across_accounts() {
    let server = moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let aws = connect(&proxy.endpoint_url()).await;
    let accounts = 8;
    fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads"],
            (0..accounts)
                .map(|n| SeedAccount::new(format!("member-{n}"), "Workloads"))
                .collect(),
        ),
    )
    .await
    .unwrap();
    let inventory = aws.inventory().await.unwrap();
    let latency = Duration::from_millis(100);
    proxy.set_faults(FaultConfig {
        latency,
        ..FaultConfig::default()
    });

    let mut timings = Vec::new();
    for concurrency in [1, 8] {
        proxy.reset_stats();
        let started = Instant::now();
        let outcomes = aws
            .read_accounts(
                &inventory,
                &ReadRequest::new(access(), concurrency),
                &|_| {},
            )
            .await;
        let elapsed = started.elapsed();
        let read = outcomes
            .iter()
            .filter(|o| matches!(o.result, AccountResult::Read(_)))
            .count();
        assert_eq!(read, accounts);
        let stats = proxy.stats();
        assert_eq!(stats.requests, 3 * accounts as u64);
        eprintln!(
            "{accounts} accounts, 100 ms latency, concurrency {concurrency}: {elapsed:?}, {} requests, proxy overhead {:?}/request",
            stats.requests,
            stats.mean_overhead()
        );
        timings.push(elapsed);
    }
    // Sequential: 8 accounts × 2 round trips (AssumeRole, then GAAD and ListRoles together).
    assert!(timings[0] >= latency * 16, "{timings:?}");
    assert!(timings[1] * 2 < timings[0], "{timings:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_call_times_out_and_names_the_account() {
    let server = moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let (aws, org) = seeded(&server, vec![SeedAccount::new("slow", "Workloads/Prod")]).await;
    drop(aws);
    let mut options = AwsOptions::emulator(proxy.endpoint_url());
    options.attempt_timeout = Duration::from_millis(300);
    options.max_attempts = 2;
    options.initial_backoff = Some(Duration::from_millis(10));
    let aws = Aws::connect(options).await.unwrap();
    proxy.set_faults(FaultConfig {
        latency: Duration::from_secs(5),
        ..FaultConfig::default()
    });

    let account_id = org.account_id("slow").unwrap();
    let started = Instant::now();
    let err = aws.assume_with(account_id, &access()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.account_id(), Some(account_id));
    assert_eq!(proxy.stats().calls_for_account(account_id), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_outside_the_allowed_ones_fails_before_any_call() {
    // Nothing listens on port 9: any call would fail differently.
    let mut options = AwsOptions::emulator("http://127.0.0.1:9");
    options.region = Some("eu-west-1".to_owned());
    let err = Aws::connect(options.clone()).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::RegionNotAllowed { region, .. } if region == "eu-west-1"),
        "{err}"
    );
    options.region = Some("us-east-1".to_owned());
    let aws = Aws::connect(options).await.unwrap();
    let err = aws.for_region("ap-south-1").await.unwrap_err();
    assert!(matches!(err, AwsError::RegionNotAllowed { .. }), "{err}");
}

#[test]
fn the_managed_policy_corpus_is_prepared_from_moto() {
    let path = warden_emulator::ensure_corpus(&warden_e2e::workspace_root()).unwrap();
    let corpus: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(corpus.len() > 1000, "{} policies", corpus.len());
    let admin = &corpus["AdministratorAccess"];
    assert_eq!(admin["document"]["Statement"][0]["Action"], json!("*"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_moto_server_repeats_its_generated_ids() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let server = warden_e2e::moto_with(warden_emulator::MotoOptions {
            seed: Some(42),
            ..warden_emulator::MotoOptions::default()
        });
        let (_, org) = seeded(&server, vec![SeedAccount::new("app", "Workloads/Prod")]).await;
        ids.push((org.organization_id, org.ous, org.accounts));
    }
    assert_eq!(ids[0], ids[1]);
}

const GOV_CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_GOV_UNSET_EXTERNAL_ID
regions:
  allowed: [us-gov-west-1]
  home: us-gov-west-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

const GOV_BOUNDARY: &str = r#"
kind: Boundary
name: gov-boundary
path: /boundaries/
description: Caps workload roles.
statements:
  - Sid: Cap
    Effect: Allow
    justification: The test scenario needs this access.
    Action: [s3:*]
    Resource: "*"
"#;

const GOV_POLICY: &str = r#"
kind: ManagedPolicy
name: gov-read
path: /
description: Reads the account's bucket.
statements:
  - Sid: Read
    Effect: Allow
    justification: The test scenario needs this access.
    Action: s3:GetObject
    Resource: "arn:${partition}:s3:::data-${account_id}/*"
"#;

const GOV_ROLE: &str = r#"
kind: Role
name: gov-deployer
path: /
description: Deploys in GovCloud.
targets:
  ous: [Root/Workloads]
boundary: gov-boundary
managed_policies: [gov-read]
trust:
  - Sid: AccountRoot
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      AWS: "arn:${partition}:iam::${account_id}:root"
    Action: sts:AssumeRole
inline_policies:
  artifacts:
    - Sid: Artifacts
      Effect: Allow
      justification: The test scenario needs this access.
      Action: s3:PutObject
      Resource: "arn:${partition}:s3:::artifacts-${account_id}/*"
"#;

/// An organization in the GovCloud partition (`us-gov-west-1`): the definitions use
/// `${partition}`, every ARN Warden builds is `arn:aws-us-gov:…`, and plan → apply → plan again
/// converges, checked on the live state read back from the emulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn govcloud_organization_plans_applies_and_converges_in_its_partition() {
    let server = moto();
    let mut options = AwsOptions::emulator(server.endpoint_url());
    options.region = Some("us-gov-west-1".into());
    options.allowed_regions = vec!["us-gov-west-1".into()];
    options.initial_backoff = Some(Duration::from_millis(10));
    let aws = Aws::connect(options).await.unwrap();
    assert_eq!(aws.partition().as_str(), "aws-us-gov");
    let org = fixture::seed_organization(
        &aws,
        &spec(
            &["Workloads"],
            vec![SeedAccount::new("gov-dev", "Workloads")],
        ),
    )
    .await
    .unwrap();
    let dev = org.account_id("gov-dev").unwrap().to_owned();

    let repo = tempfile::tempdir().unwrap();
    for (file, text) in [
        ("warden.yaml", GOV_CONFIG),
        ("boundaries/gov-boundary.yaml", GOV_BOUNDARY),
        ("policies/gov-read.yaml", GOV_POLICY),
        ("policies/gov-deployer.yaml", GOV_ROLE),
        ("scps/deny-leave.yaml", warden_e2e::DENY_LEAVE_SCP),
    ] {
        warden_e2e::write_file(repo.path(), file, text);
    }
    let definitions = warden_spec::Definitions::load(repo.path()).unwrap();
    let live = warden_app::LiveOrganization::new(aws.clone(), access(), 4);
    let request = warden_app::PlanRequest {
        created_at: warden_app::now_rfc3339(),
        ..warden_app::PlanRequest::default()
    };
    let plan = warden_app::plan_organization(&live, &definitions, &request, &|_| {})
        .await
        .unwrap()
        .plan;
    assert!(plan.unreadable.is_empty(), "{:?}", plan.unreadable);
    assert!(plan.has_changes());
    let desired = warden_app::desired_state(&live, &definitions, None)
        .await
        .unwrap();
    let apply = warden_app::ApplyRequest {
        desired: Some(std::sync::Arc::new(desired)),
        ..warden_app::ApplyRequest::new(
            warden_plan::from_spec::ownership(&definitions.config),
            4,
            std::sync::Arc::new(|_| {}),
        )
    };
    let report = warden_app::apply_plan(&live, &plan, &apply).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );

    // Live state, read back through the emulator's administrator role.
    let admin = fixture::admin_client(&aws, &dev).await.unwrap();
    let account = admin.read_account().await.unwrap();
    let gov = |arn: &str| arn.starts_with("arn:aws-us-gov:");
    let role = account.role("gov-deployer").unwrap();
    assert!(gov(&role.arn), "{}", role.arn);
    let boundary = role.permissions_boundary_arn.as_deref().unwrap();
    assert_eq!(
        boundary,
        format!("arn:aws-us-gov:iam::{dev}:policy/boundaries/gov-boundary")
    );
    assert_eq!(
        role.attached_policy_arns,
        vec![format!("arn:aws-us-gov:iam::{dev}:policy/gov-read")]
    );
    let trust = parse(&role.trust_policy);
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        json!(format!("arn:aws-us-gov:iam::{dev}:root"))
    );
    let inline = parse(&role.inline_policies["artifacts"]);
    assert_eq!(
        inline["Statement"][0]["Resource"],
        json!(format!("arn:aws-us-gov:s3:::artifacts-{dev}/*"))
    );
    let policy = account.policy("gov-read").unwrap();
    assert!(gov(&policy.arn), "{}", policy.arn);
    assert!(
        policy
            .document
            .contains(&format!("arn:aws-us-gov:s3:::data-{dev}/*")),
        "{}",
        policy.document
    );
    let scps = aws.read_scps().await.unwrap();
    assert!(
        scps.iter()
            .any(|scp| scp.name == "deny-leave" && !scp.targets.is_empty())
    );

    let again = warden_app::plan_organization(&live, &definitions, &request, &|_| {})
        .await
        .unwrap()
        .plan;
    assert!(
        !again.has_changes(),
        "{}",
        warden_plan::render::render_table(&again, Default::default())
    );
}
