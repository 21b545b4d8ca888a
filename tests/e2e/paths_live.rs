//! WL790 (escalation paths) on live IAM: `lint --snapshot DIR` and `lint --live` report the
//! paths of the roles read from the accounts, not of the definitions. A hand-made role in moto
//! that can pass an administrator role to Lambda is reported with exactly its steps; a
//! definitions-only escalation that is not deployed is reported by `lint --org` and not by
//! `lint --snapshot` or `lint --live`; `--account` keeps only that account's paths.

use warden_app::LiveOrganization;
use warden_app::snapshot::{SnapshotRequest, take_snapshot};
use warden_aws::fixture::{self, SeedAccount, SeedSpec};
use warden_aws::{Aws, ExternalId, NewRole};
use warden_emulator::{FaultConfig, FaultProxy};

const EXTERNAL_ID: &str = "e2e-paths-live-external-id";
const EXTERNAL_ID_ENV: &str = "WARDEN_E2E_PATHS_LIVE_EXTERNAL_ID";

fn config() -> String {
    format!(
        r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: {EXTERNAL_ID_ENV}
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#
    )
}

/// A role the definitions deploy to prod but that is not deployed: it can pass `def-admin`
/// (also only defined) to Lambda.
const DEFINED: [(&str, &str); 2] = [
    (
        "def-builder.yaml",
        r#"kind: Role
name: def-builder
targets:
  accounts: [prod]
trust:
  - Sid: Account
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {AWS: "arn:aws:iam::${account_id}:root"}
    Action: sts:AssumeRole
inline_policies:
  functions:
    - Sid: PassDefAdmin
      Effect: Allow
      justification: The test scenario needs this access.
      Action: iam:PassRole
      Resource: "arn:aws:iam::${account_id}:role/def-admin"
    - Sid: Functions
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [lambda:CreateFunction, lambda:InvokeFunction]
      Resource: "*"
"#,
    ),
    (
        "def-admin.yaml",
        r#"kind: Role
name: def-admin
targets:
  accounts: [prod]
trust:
  - Sid: Lambda
    Effect: Allow
    justification: The test scenario needs this access.
    Principal: {Service: lambda.amazonaws.com}
    Action: sts:AssumeRole
inline_policies:
  admin:
    - Sid: Everything
      Effect: Allow
      justification: The test scenario needs this access.
      Action: "*"
      Resource: "*"
"#,
    ),
];

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

async fn role(admin: &warden_aws::AccountClient, name: &str, trust: &str, inline: &str) {
    let role = NewRole {
        name: name.into(),
        path: "/".into(),
        trust_policy: policy(trust),
        ..NewRole::default()
    };
    fixture::create_role_with_policies(admin, &role, &[("main", &policy(inline))], &[])
        .await
        .unwrap();
}

/// (principal, account, message, file) of each WL790 finding of a `lint --format json` run.
fn escalations(run: &crate::cli::Run) -> Vec<(String, String, String, String)> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", run.transcript()));
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "WL790")
        .map(|finding| {
            (
                text(&finding["principal"]),
                text(&finding["account"]),
                text(&finding["message"]),
                text(&finding["file"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_of_live_iam_reports_the_deployed_escalation_and_not_the_defined_one() {
    let server = warden_e2e::moto();
    let options = warden_e2e::quick_options(server.endpoint_url(), 2);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![
            SeedAccount::new("prod", "Workloads"),
            SeedAccount::new("analytics", "Workloads"),
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let prod = org.account_id("prod").unwrap().to_owned();
    let arn = |name: &str| format!("arn:aws:iam::{prod}:role/{name}");

    // Hand-made in prod, in no definition: `hand-builder` passes `hand-admin` to Lambda.
    let admin = fixture::admin_client(&aws, &prod).await.unwrap();
    let prod_root = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{prod}:root"}},"Action":"sts:AssumeRole"}}"#
    );
    role(
        &admin,
        "hand-builder",
        &prod_root,
        &format!(
            r#"{{"Sid":"PassHandAdmin","Effect":"Allow","Action":"iam:PassRole","Resource":"{}"}},{{"Sid":"Functions","Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}}"#,
            arn("hand-admin")
        ),
    )
    .await;
    role(
        &admin,
        "hand-admin",
        r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
        r#"{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}"#,
    )
    .await;
    // Its twin without the Lambda actions has no way up.
    role(
        &admin,
        "hand-passer",
        &prod_root,
        &format!(
            r#"{{"Effect":"Allow","Action":"iam:PassRole","Resource":"{}"}}"#,
            arn("hand-admin")
        ),
    )
    .await;

    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("snap");
    let live = LiveOrganization::new(aws.clone(), warden_e2e::access_role(EXTERNAL_ID, "e2e"), 4);
    let request = SnapshotRequest {
        out: snap.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: warden_app::now_rfc3339(),
        tool_version: "test".into(),
    };
    take_snapshot(&live, &request, &|_| {}).await.unwrap();

    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("warden.yaml"), config()).unwrap();
    std::fs::create_dir_all(repo.path().join("policies")).unwrap();
    for (name, yaml) in DEFINED {
        std::fs::write(repo.path().join("policies").join(name), yaml).unwrap();
    }
    let snap_arg = snap.display().to_string();
    let lint = |args: &[&str]| {
        let mut full = vec!["lint", "--format", "json", "--today", "2026-12-04"];
        full.extend(args);
        let run = crate::cli::xtask_in(repo.path(), &full, &[(EXTERNAL_ID_ENV, EXTERNAL_ID)], &[]);
        assert!(run.code <= 1, "{}", run.transcript());
        assert!(!run.stdout.contains(EXTERNAL_ID) && !run.stderr.contains(EXTERNAL_ID));
        run
    };

    // The definitions, rendered for the same organization, have their own path.
    let defined = escalations(&lint(&["--org", &snap_arg]));
    let defined: Vec<&str> = defined.iter().map(|(who, ..)| who.as_str()).collect();
    assert_eq!(defined, ["def-builder"]);

    // The snapshot: exactly the hand-made path, step by step, at prod's account file.
    let expected = format!(
        "`hand-builder` can become an administrator in 2 step(s): passes {admin} to \
         lambda.amazonaws.com and runs code as it (iam:PassRole, lambda:CreateFunction, \
         lambda:InvokeFunction) [lambda-create-function-invoke]; then is an administrator: it may \
         change the policies of every role in its account [admin]",
        admin = arn("hand-admin")
    );
    let run = lint(&["--snapshot", &snap_arg]);
    assert_eq!(run.code, 1, "an error-level finding fails the run");
    let from_snapshot = escalations(&run);
    assert_eq!(
        from_snapshot,
        [(
            "hand-builder".to_string(),
            prod.clone(),
            expected.clone(),
            snap.join("accounts")
                .join(format!("{prod}.json"))
                .display()
                .to_string()
        )],
        "{}",
        run.transcript()
    );

    // Read now: the same path, pointing at the account; each member account read once for the
    // posture rules and the paths together.
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let from_live = escalations(&lint(&["--live", "--endpoint-url", &proxy.endpoint_url()]));
    let stats = proxy.stats();
    assert_eq!(
        stats.calls_for_action("iam:GetAccountAuthorizationDetails"),
        2,
        "prod and analytics, once each: {stats:?}"
    );
    assert_eq!(
        from_live,
        [(
            "hand-builder".to_string(),
            prod.clone(),
            expected,
            format!("aws:{prod}")
        )]
    );

    // Another account, by name or by id: none of prod's paths.
    let analytics = org.account_id("analytics").unwrap().to_owned();
    for account in ["analytics", analytics.as_str()] {
        let run = lint(&["--snapshot", &snap_arg, "--account", account]);
        assert!(escalations(&run).is_empty(), "{}", run.transcript());
    }
    let only_prod = escalations(&lint(&["--snapshot", &snap_arg, "--account", "prod"]));
    assert_eq!(only_prod, from_snapshot);
}
